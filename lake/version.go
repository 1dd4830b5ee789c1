package lake

import (
	"runtime/debug"
	"strings"
)

// BuildVersion returns the evtxscan version of the running binary: the main
// module's version from its build information (a tag, or a Go
// pseudo-version), with "+dirty" when the VCS tree was modified, or
// "devel" when the binary has no version (go run, go test, a plain
// go build of a checkout). vcs is the VCS revision, "" when unknown.
func BuildVersion() (version, vcs string) {
	version = "devel"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version, ""
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		version = v
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			vcs = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if version == "devel" && vcs != "" {
		version = "devel-" + vcs[:min(12, len(vcs))]
	}
	if dirty && !strings.HasSuffix(version, "+dirty") {
		version += "+dirty"
	}
	return version, vcs
}
