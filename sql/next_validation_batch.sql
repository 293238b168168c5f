-- A new validation batch's id.
select nextval('validation_batch_ids') as batch_id;
