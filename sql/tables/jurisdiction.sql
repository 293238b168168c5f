-- Each office's jurisdiction (ipwatch/domain/regions.py, loaded by ipwatch init): the regions it answers for, its
-- own and every region under it at any depth. The portal's access, the rule region_in_jurisdiction, which counties
-- a plan binds, and the auditor's --region filter all read this one definition.
create or replace table jurisdiction (
    office_code varchar not null,
    region_code varchar not null,
    primary key (office_code, region_code)
);
