-- An example task database for the completion forecast (PostgreSQL): one row
-- per subtask of a request, with its type, state and times. Clients keep
-- their own schema and configure their own queries; this one is for the
-- tests, the demo and as a model. Its queries: activities/taskdb/default-queries.ts.
--
-- Oracle, the same table:
--   CREATE TABLE subtask_run (
--     request_id VARCHAR2(100) NOT NULL, subtask_id VARCHAR2(100) NOT NULL,
--     subtask_type VARCHAR2(100) NOT NULL, state VARCHAR2(30) DEFAULT 'PENDING' NOT NULL,
--     started_at TIMESTAMP WITH TIME ZONE, finished_at TIMESTAMP WITH TIME ZONE,
--     CONSTRAINT subtask_run_pk PRIMARY KEY (request_id, subtask_id));
--   CREATE INDEX subtask_run_history ON subtask_run (finished_at, subtask_type);

CREATE TABLE IF NOT EXISTS subtask_run (
  request_id   text NOT NULL,
  subtask_id   text NOT NULL,
  subtask_type text NOT NULL,
  -- PENDING, RUNNING, DONE or FAILED (other words are read as pending)
  state        text NOT NULL DEFAULT 'PENDING',
  started_at   timestamptz,
  finished_at  timestamptz,
  PRIMARY KEY (request_id, subtask_id)
);

-- The history query reads finished runs since a day: by finish time first.
CREATE INDEX IF NOT EXISTS subtask_run_history ON subtask_run (finished_at, subtask_type);
