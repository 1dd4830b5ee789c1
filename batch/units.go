package batch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evtxscan/evtxscan/input"
	"github.com/evtxscan/evtxscan/scan"
)

// A Unit is one tenant of a batch: its name and the input arguments read
// for it.
type Unit struct {
	Tenant string
	Paths  []string
}

// A Dup is a tenant left out because an earlier input has its name.
type Dup struct {
	Unit
	Other string // the input that has the name
}

// Units turns the arguments into tenants. With tenant set, all the
// arguments are that one tenant. Otherwise each argument is a tenant named
// after its base name without extension (scan.DefaultTenant), except a
// folder that holds no EVTX file directly: each of its entries that is a
// folder, a zip or an EVTX file (names starting with "." or "_" aside, and
// the folder out, the lake, if it is there) is a tenant. notes tell the
// entries left out.
func Units(args []string, tenant, out string) (units []Unit, notes []string) {
	if tenant != "" {
		return []Unit{{tenant, args}}, nil
	}
	outFI, _ := os.Stat(out)
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil || !fi.IsDir() || holdsEVTX(a) {
			units = append(units, Unit{scan.DefaultTenant(a), []string{a}})
			continue
		}
		ents, err := os.ReadDir(a)
		if err != nil {
			units = append(units, Unit{scan.DefaultTenant(a), []string{a}})
			continue
		}
		for _, e := range ents {
			name := e.Name()
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				continue
			}
			p := filepath.Join(a, name)
			efi, err := os.Stat(p)
			switch {
			case err == nil && outFI != nil && os.SameFile(efi, outFI):
				// the lake itself
			case err != nil:
				notes = append(notes, fmt.Sprintf("skipped %s: %v", p, err))
			case efi.IsDir() || input.FileKind(p) != "":
				units = append(units, Unit{scan.DefaultTenant(p), []string{p}})
			default:
				notes = append(notes, fmt.Sprintf("skipped %s: not a folder, a zip or an EVTX file", p))
			}
		}
	}
	return units, notes
}

// holdsEVTX reports whether the folder dir holds an EVTX file directly.
func holdsEVTX(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !e.IsDir() && input.FileKind(filepath.Join(dir, e.Name())) == "evtx" {
			return true
		}
	}
	return false
}

// Unique keeps the first input of each tenant name.
func Unique(units []Unit) ([]Unit, []Dup) {
	first := map[string]string{}
	var out []Unit
	var dups []Dup
	for _, u := range units {
		if p, ok := first[u.Tenant]; ok {
			dups = append(dups, Dup{u, p})
			continue
		}
		first[u.Tenant] = strings.Join(u.Paths, " ")
		out = append(out, u)
	}
	return out, dups
}

// Select returns the units of shard s.
func Select(units []Unit, s Shard) []Unit {
	if s.Whole() {
		return units
	}
	var out []Unit
	for _, u := range units {
		if Of(u.Tenant, s.Count) == s.Index {
			out = append(out, u)
		}
	}
	return out
}
