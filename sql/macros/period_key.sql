-- A quarter's place in time, the one order of quarters: consecutive quarters are consecutive integers, so the
-- quarter before is one less and the same quarter a year before four less (2025, 3 -> 8102; 2025, 4 -> 8103).
create or replace macro period_key(year, quarter) as year * 4 + quarter - 1;
