-- SPDX-License-Identifier: MIT
--
-- schema.sql - the fragsim results database (one SQLite file per experiment,
-- many runs). This file is the single source of the schema: it is compiled
-- into fragsim (results/meson.build) and executed by the SQLite sink when it
-- opens a database that has no tables yet. Documented in
-- docs/results-format.md.
--
-- Schema version 1 (FRAG_RESULTS_SCHEMA_VERSION in results/results.h; bump
-- both together on any incompatible change).
--
-- Conventions: times of day are UTC ISO 8601 text ("2025-06-01T12:00:00.123Z");
-- simulated and wall durations are REAL seconds; simulated instants inside a
-- run are INTEGER nanoseconds; "none" values are NULL. SQLite integers are
-- signed 64-bit: unsigned 64-bit values >= 2^63 (a seed, a pfn) are stored
-- with the same bits and read back negative (add 2^64).
--
-- The sink sets on every connection: journal_mode=WAL, synchronous=NORMAL,
-- foreign_keys=ON, busy_timeout=10000, temp_store=MEMORY.

-- Compatibility of the database with the fragsim writing to it. Exactly one row.
CREATE TABLE IF NOT EXISTS stats_version (
	stats_version  INTEGER NOT NULL,   -- FRAG_STATS_VERSION (core/include/frag/stat_list.h) of the counter and metric names
	schema_version INTEGER NOT NULL    -- FRAG_RESULTS_SCHEMA_VERSION: the layout of the tables below
);

-- One row per run, inserted with status 'running' when the run starts and
-- updated once when it ends (in the same transaction as its events and metrics).
CREATE TABLE IF NOT EXISTS runs (
	id               INTEGER PRIMARY KEY,  -- row id, referenced by params, metrics and events
	uid              TEXT NOT NULL UNIQUE, -- run uid (32 hex digits); also the HDF5 file name <uid>.h5
	scenario         TEXT NOT NULL,        -- scenario name (run.name)
	scenario_path    TEXT NOT NULL,        -- scenario file as given on the command line, '' if none
	scenario_hash    TEXT NOT NULL,        -- FNV-1a 64 of the resolved configuration, 16 lowercase hex digits
	policy           TEXT NOT NULL,        -- placement policy name (fragsim policies)
	seed             INTEGER NOT NULL,     -- scenario seed (uint64 bits, see the conventions above)
	config           TEXT NOT NULL,        -- the resolved configuration as JSON
	git_rev          TEXT NOT NULL,        -- `git describe` of the fragsim build, or 'unknown'
	fragsim_version  TEXT NOT NULL,        -- fragsim version
	simgrid_version  TEXT NOT NULL,        -- SimGrid version the engine was built with
	host             TEXT NOT NULL,        -- host name of the machine that ran it
	pid              INTEGER NOT NULL,     -- process id of the run (to tell a live 'running' row from a dead one)
	status           TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted', 'failed')), -- 'running' until the run ends (a killed process leaves it so), then how it ended
	message          TEXT NOT NULL DEFAULT '', -- why the run was interrupted or failed, '' otherwise
	started_at       TEXT NOT NULL,        -- wall-clock start, UTC ISO 8601
	finished_at      TEXT,                 -- wall-clock end, UTC ISO 8601; NULL while running
	wall_s           REAL,                 -- wall-clock duration in seconds; NULL while running
	sim_requested_s  REAL NOT NULL,        -- simulated time requested (scenario duration), seconds
	sim_reached_s    REAL,                 -- simulated time reached, seconds; NULL while running
	sample_period_s  REAL NOT NULL,        -- simulated time between HDF5 epoch samples, seconds
	h5_file          TEXT                  -- the run's HDF5 file relative to this database's directory; NULL if none
);

-- The flattened parameters of the run (scenario values after --set), one row per key.
CREATE TABLE IF NOT EXISTS params (
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, -- the run
	key    TEXT NOT NULL,                 -- dotted key path, e.g. 'sysctl.min_free_kbytes'
	value  TEXT NOT NULL,                 -- value as text, as written in the scenario
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

-- Summary values of a run, written when it ends.
CREATE TABLE IF NOT EXISTS metrics (
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, -- the run
	name   TEXT NOT NULL,                 -- metric name: the kernel counter name where the concept is the kernel's
	value  REAL,                          -- its value; NULL if not a number (NaN)
	unit   TEXT NOT NULL,                 -- 'count', 'pages', 'ns', 'ratio', 's', ...
	PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

-- Sparse events of a run (1 GiB attempts and their outcome, allocation
-- failures, OOMs, ...), written when it ends.
CREATE TABLE IF NOT EXISTS events (
	run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, -- the run
	seq     INTEGER NOT NULL,             -- 0, 1, 2, ... in the order the run reported them
	t_ns    INTEGER NOT NULL,             -- simulated time of the event, ns
	type    TEXT NOT NULL,                -- 'oom', 'alloc_fail', 'hugetlb_1g', ...
	cpu     INTEGER,                      -- CPU, NULL if none
	nid     INTEGER,                      -- NUMA node, NULL if none
	pfn     INTEGER,                      -- page frame number, NULL if none
	ord     INTEGER,                      -- allocation order, NULL if none
	value   INTEGER NOT NULL,             -- type-specific value (latency ns, pages migrated, ...)
	outcome TEXT NOT NULL,                -- 'ok', 'fail', a reason, or ''
	detail  TEXT,                         -- JSON object with more fields, NULL if none
	PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS events_by_type ON events (type, run_id); -- "all OOMs of the experiment"
