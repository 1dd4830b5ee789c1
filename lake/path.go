package lake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"
)

// Partitioning is how the part files of a table are laid out in folders.
// The events and attempts tables are partitioned by tenant and time (when
// the Partitioning has a time granularity); the other tables hold a few
// rows per tenant and are partitioned by tenant alone (none for Flat).
type Partitioning uint8

const (
	// ByTenantMonth puts parts in <table>/tenant=<t>/month=<yyyy-mm>/.
	ByTenantMonth Partitioning = iota
	// ByTenantDate puts parts in <table>/tenant=<t>/date=<yyyy-mm-dd>/.
	ByTenantDate
	// ByTenant puts parts in <table>/tenant=<t>/.
	ByTenant
	// Flat puts every part directly in <table>/.
	Flat
)

// String returns the name ParsePartitioning accepts: "tenant,month",
// "tenant,date", "tenant" or "none".
func (p Partitioning) String() string {
	switch p {
	case ByTenantMonth:
		return "tenant,month"
	case ByTenantDate:
		return "tenant,date"
	case ByTenant:
		return "tenant"
	case Flat:
		return "none"
	}
	return fmt.Sprintf("Partitioning(%d)", uint8(p))
}

// ParsePartitioning parses "tenant,month" (also ""), "tenant,date",
// "tenant" or "none".
func ParsePartitioning(s string) (Partitioning, error) {
	switch strings.ReplaceAll(strings.ToLower(s), " ", "") {
	case "tenant,month", "":
		return ByTenantMonth, nil
	case "tenant,date":
		return ByTenantDate, nil
	case "tenant":
		return ByTenant, nil
	case "none":
		return Flat, nil
	}
	return 0, fmt.Errorf("lake: unknown partitioning %q (tenant,month, tenant,date, tenant or none)", s)
}

// DefaultPartition is the folder value of a partition key that has no
// value: a row without a time has no date. Hive, Spark and DuckDB read it as
// NULL.
const DefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// EscapeValue escapes a partition value for a folder name key=value the way
// Hive does, with the characters Windows forbids in names: the bytes
// 0x00–0x1F, 0x7F and " # % ' * / : < = > ? [ \ ] ^ { | } become %XX
// (upper-case hex); the space is kept, as Hive and Spark keep it. Other bytes, UTF-8 letters included, are kept. The
// empty value is DefaultPartition. DuckDB, Spark and Hive decode %XX when
// they read the folder names.
func EscapeValue(s string) string {
	if s == "" {
		return DefaultPartition
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if mustEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if mustEscape(c) {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

func mustEscape(c byte) bool {
	if c < 0x20 || c == 0x7F {
		return true
	}
	return strings.IndexByte("\"#%'*/:<=>?[\\]^{|}", c) >= 0
}

// UnescapeValue reverses EscapeValue. DefaultPartition gives "".
func UnescapeValue(s string) (string, error) {
	if s == DefaultPartition {
		return "", nil
	}
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", fmt.Errorf("lake: bad escape in partition value %q at byte %d", s, i)
		}
		b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
		i += 2
	}
	return string(b), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// DateValue is the date partition value of a time in Unix microseconds:
// its UTC date as yyyy-mm-dd, or "" (DefaultPartition) when us is 0.
func DateValue(us int64) string {
	if us == 0 {
		return ""
	}
	return time.UnixMicro(us).UTC().Format(time.DateOnly)
}

// MonthValue is the month partition value of a time in Unix microseconds:
// its UTC month as yyyy-mm, or "" (DefaultPartition) when us is 0.
func MonthValue(us int64) string {
	if us == 0 {
		return ""
	}
	return time.UnixMicro(us).UTC().Format("2006-01")
}

// partitionDir returns the folder of a partition relative to the lake
// root, slash-separated: table[/tenant=…[/month=…|/date=…]].
func (p Partitioning) partitionDir(table, tenant string, us int64) string {
	if p == Flat {
		return table
	}
	t := path.Join(table, "tenant="+EscapeValue(tenant))
	switch {
	case !timeTable(table) || p == ByTenant:
		return t
	case p == ByTenantDate:
		return path.Join(t, "date="+EscapeValue(DateValue(us)))
	}
	return path.Join(t, "month="+EscapeValue(MonthValue(us)))
}

// tenantKey is the short name of a tenant in temporary file names: the
// first 8 bytes of the SHA-256 of its name, in hex.
func tenantKey(tenant string) string {
	s := sha256.Sum256([]byte(tenant))
	return hex.EncodeToString(s[:8])
}

// tempPrefix starts the name of every temporary file of tenant. Temporary
// files end in tempSuffix, so no reader takes them for parts.
func tempPrefix(tenant string) string { return ".evtxscan-" + tenantKey(tenant) + "-" }

const tempSuffix = ".tmp"

// partName is the file name of the n-th file (from 0) of one part id in
// one partition: part-<id>.parquet, then part-<id>-1.parquet, …
func partName(id string, n int) string {
	if n == 0 {
		return "part-" + id + ".parquet"
	}
	return fmt.Sprintf("part-%s-%d.parquet", id, n)
}
