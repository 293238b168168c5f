-- Record what the reference tables were loaded from.
delete from reference_stamp;
insert into reference_stamp values ($stamp);
