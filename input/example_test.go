package input_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"sync"

	"github.com/evtxscan/evtxscan/input"
)

// Walk streams every EVTX log in the inputs, one after the other.
func ExampleWalker_Walk() {
	w := input.NewWalker(input.DefaultLimits())
	rep, err := w.Walk(context.Background(), []string{"bundle.zip", "logs"}, func(it input.Item, r io.Reader) error {
		n, err := io.Copy(io.Discard, r) // a parser would read r here
		if err != nil {
			return err // a damaged entry: recorded in the report, the walk goes on
		}
		fmt.Println(it.Path, n)
		return nil
	})
	if err != nil {
		log.Fatal(err) // cancelled, or the consumer's own error
	}
	for _, s := range rep.Skipped {
		fmt.Printf("skipped %s: %s\n", s.Path, s.Reason)
	}
	for _, e := range rep.Errors {
		fmt.Println("error:", e)
	}
}

// List and Open let a pool of workers read the items in parallel.
func ExampleWalker_Open() {
	ctx := context.Background()
	w := input.NewWalker(input.DefaultLimits())
	items, _, err := w.List(ctx, []string{"bundle.zip"})
	if err != nil {
		log.Fatal(err)
	}
	jobs := make(chan input.Item)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for it := range jobs {
				rc, err := w.Open(ctx, it.Path)
				if err != nil {
					log.Print(err)
					continue
				}
				_, err = io.Copy(io.Discard, rc) // a parser would read rc here
				rc.Close()
				if err != nil {
					log.Print(err)
				}
			}
		})
	}
	for _, it := range items {
		jobs <- it
	}
	close(jobs)
	wg.Wait()
}
