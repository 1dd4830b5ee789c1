// Package lake writes the analysis of many tenants' Entra Connect logs as
// the Parquet tables of a data lake: events, attempts, findings and
// inputs, in Hive-style partition folders that DuckDB, Spark or Trino read
// as one table each:
//
//	DIR/<table>/tenant=<t>/date=<yyyy-mm-dd>/part-<id>.parquet   (ByTenantDate)
//	DIR/<table>/tenant=<t>/part-<id>.parquet                     (ByTenant)
//	DIR/<table>/part-<id>.parquet                                (Flat)
//	DIR/_evtxscan/manifests/tenant=<t>.json                      (one per tenant)
//
// Columns are typed (times as TIMESTAMP(NANOS) adjusted to UTC, integer
// ids, lists), low-cardinality strings are dictionary-encoded, pages are
// compressed with zstd, and every row carries schema_version while every
// file carries evtxscan.schema and more in its key-value metadata. The
// row types ([EventRow], [AttemptRow], [FindingRow], [InputRow]) are the
// schema; docs/lake.md documents every column. A [Converter] makes rows
// from parser events and correlate results, pseudonymizing them on
// request.
//
// Partition values are escaped with [EscapeValue]; a row without a date
// goes to date=__HIVE_DEFAULT_PARTITION__ (NULL to readers). The date of a
// row is the UTC date of: the event's time, the attempt's start (else its
// end), the finding's first evidence, the input's first record.
//
// Parts and reruns. A tenant's rows are written by one [Writer] under one
// part id ([PartID], derived from the tenant name and the [ContentHash] of
// its input), as one file per partition the rows fall in (more when a
// partition is met again after its file was closed: part-<id>-1.parquet,
// …). Files are written under a temporary name (.evtxscan-<key>-*.tmp,
// which no reader takes for a part) in the folder of their partition,
// synced, and renamed into place by [Writer.Commit], which then removes
// every file the tenant's previous manifest listed and this run did not
// write, and writes the new manifest. So a rerun on the same input
// replaces its own files by name, a rerun on a changed input or with
// another partitioning removes the old parts, and a tenant's rows never
// appear twice once Commit returns. See [Writer.Commit] for the order of
// the steps and why a crash leaves nothing that a later run does not
// clean up; [Lake.RemoveTemp] removes the temporary files of a killed run.
//
// Memory. A Writer keeps at most Options.MaxOpenFiles files open per
// table, and each open file holds at most one row group
// (Options.RowGroupRows rows) in memory, compressed, plus a page buffer
// per column.
package lake
