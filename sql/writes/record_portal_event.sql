-- One event of the portal's log.
insert into portal_events (event_id, happened_at, user_name, action, outcome, detail, client)
values ($event_id, $at, $user_name, $action, $outcome, $detail, $client);
