-- What each region is asked to report (ipwatch/domain/obligations.py, loaded by ipwatch init): the indicators of the
-- targets that bind it, and the numerator and denominator of each ratio among them (so the ratio can be checked
-- and aggregated).
create or replace table required_indicators (
    region_code varchar not null,
    indicator_code varchar not null,
    primary key (region_code, indicator_code)
);
