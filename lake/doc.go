// Package lake writes the analysis of many tenants' Entra Connect logs as
// the Parquet tables of a data lake: events, attempts, findings, inputs,
// service and tenants, in Hive-style partition folders that Spark, Azure
// Data Explorer, DuckDB or Trino read as one table each, in a local folder
// or a bucket (azblob://, s3://, file:// through internal/bucket, over the
// Azure and AWS SDKs; see OpenURL):
//
//	LAKE/events/tenant=<t>/month=<yyyy-mm>/part-<id>.parquet     (ByTenantMonth; attempts alike)
//	LAKE/findings/tenant=<t>/part-<id>.parquet                   (inputs, service, tenants alike)
//	LAKE/_evtxscan/lake.json                                     (the layout, fixed by the first Open)
//	LAKE/_evtxscan/manifests/tenant=<t>.json                     (one per tenant)
//
// Compatibility by construction: data pages V1, PLAIN and RLE_DICTIONARY
// encodings (RLE for levels), times as TIMESTAMP(MICROS, UTC) with the
// exact 100 ns record time in INT64 *_ticks columns (Windows FILETIME, see
// Ticks), keywords as INT64 plus a hex string, no unsigned type, zstd,
// created_by "evtxscan version <v> (build <rev>)". Every row carries
// schema_version and every file carries evtxscan.schema, evtxscan.version
// and more in its key-value metadata. The row types ([EventRow],
// [AttemptRow], [FindingRow], [InputRow], [ServiceRow], [TenantRow]) are
// the schema; docs/lake.md documents every column. A [Converter] makes rows
// from parser events and correlate results, with paths relative to the
// input argument (RelPath), pseudonymizing them on request.
//
// Partition values are escaped with [EscapeValue]; a row without a time
// goes to month=__HIVE_DEFAULT_PARTITION__ (NULL to readers).
//
// Parts and reruns. A tenant's rows are written by one [Writer] under one
// part id ([PartID], derived from the tenant name and the [ContentHash] of
// its input), as one file per table and partition. Files are written under
// a temporary name (a local folder: .evtxscan-<key>-*.tmp beside the part;
// a bucket: under _evtxscan/tmp/, outside every table) and put into place
// by [Writer.Commit], which then removes every file the tenant's previous
// manifest listed and this run did not write, and writes the new manifest.
// So a rerun on the same input replaces its own files by name, a rerun on
// a changed input removes the old parts, and a tenant's rows never appear
// twice once Commit returns. [Lake.Current] tells whether a manifest
// records the same input, options, schema and evtxscan version (what
// --resume skips). See [Writer.Commit] for the order of the steps and why
// a crash leaves nothing that a later run does not clean up;
// [Lake.RemoveTemp] removes the temporary files of a killed run.
//
// Memory. A Writer keeps at most Options.MaxOpenFiles files open per
// table, and each open file holds at most one row group
// (Options.RowGroupRows rows) in memory, compressed, plus a page buffer
// per column (and a 1 MiB upload block in a bucket).
package lake
