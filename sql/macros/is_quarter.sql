-- A period written as the rules can read it ('2025Q3'): the period_format rule's test, and the guard of every rule
-- that takes a period apart, so that no rule ever reads a period that rule rejected ('25Q3' or '999Q3' once passed a
-- looser guard and failed inside a later rule, whose SQL reached the office's receipt).
create or replace macro is_quarter(period) as coalesce(regexp_full_match(period, '[0-9]{4}Q[1-4]'), false);
