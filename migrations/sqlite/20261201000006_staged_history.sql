-- PostgreSQL stages a book-wide run's history rows before its publication
-- commits and indexes them by run, so a failed run's rows can be deleted.
-- SQLite writes them in the publishing transaction itself (one writer at a
-- time), so they live and die with it and need no such index. This keeps
-- both backends at the same schema version.
SELECT 1;
