#!/usr/bin/env node
// duckdb-query runs SQL statements with DuckDB (the npm package
// @duckdb/node-api, installed by `npm ci` in the repository root) and prints
// the rows of each statement as one JSON array per line. It is what the Go
// tests use to check the Parquet data lake written by
// `evtxscan scan --format parquet`, and it works from a shell too:
//
//   node tools/duckdb-query.mjs \
//     "SELECT tenant, outcome, count(*) AS n FROM read_parquet('lake/attempts/**/*.parquet', hive_partitioning = true) GROUP BY ALL"
//
// Values are converted as DuckDB's getRowObjectsJson does: BIGINT, HUGEINT
// and DECIMAL as strings, timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff+00',
// lists as arrays, structs as objects.
import { DuckDBInstance } from '@duckdb/node-api';

const statements = process.argv.slice(2);
if (statements.length === 0) {
  process.stderr.write('usage: node tools/duckdb-query.mjs SQL...\n');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
try {
  for (const sql of statements) {
    const reader = await connection.runAndReadAll(sql);
    process.stdout.write(JSON.stringify(reader.getRowObjectsJson()) + '\n');
  }
} catch (err) {
  process.stderr.write(`duckdb-query: ${err.message}\n`);
  process.exitCode = 1;
} finally {
  connection.closeSync();
  instance.closeSync();
}
