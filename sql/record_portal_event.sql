-- One event of the portal's log.
insert into portal_events (happened_at, user_name, action, outcome, detail, client)
values ($at, $user_name, $action, $outcome, $detail, $client);
