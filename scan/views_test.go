package scan

import (
	"slices"
	"testing"
)

// TestRun checks the selection behind Report.Views: the elements chosen,
// in order, as a part of the list when they lie together (no copy) and as
// a copy when they do not.
func TestRun(t *testing.T) {
	odd := func(v *int) bool { return *v%2 == 1 }
	for _, tc := range []struct {
		list    []int
		want    []int
		aliased bool
	}{
		{nil, nil, false},
		{[]int{2, 4}, nil, false},
		{[]int{1, 3, 5}, []int{1, 3, 5}, true},
		{[]int{2, 1, 3, 4}, []int{1, 3}, true},
		{[]int{1, 2, 3}, []int{1, 3}, false},
		{[]int{2, 1, 4, 6, 3, 5, 8}, []int{1, 3, 5}, false},
	} {
		got := run(tc.list, odd)
		if !slices.Equal(got, tc.want) {
			t.Errorf("run(%v) = %v, want %v", tc.list, got, tc.want)
			continue
		}
		if len(got) == 0 {
			continue
		}
		aliased := &got[0] == &tc.list[slices.Index(tc.list, tc.want[0])]
		if aliased != tc.aliased {
			t.Errorf("run(%v): part of the list %v, want %v", tc.list, aliased, tc.aliased)
		}
		if aliased && cap(got) != len(got) {
			t.Errorf("run(%v): cap %d lets an append write into the list", tc.list, cap(got))
		}
	}
}
