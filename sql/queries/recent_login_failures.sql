-- Failed logins since $since, for the user name tried and from the client's address: what login throttling
-- counts (a throttled attempt checks no password, so it is not counted as a failure).
select
    count(*) filter (where user_name = $user_name) as by_user,
    count(*) filter (where client = $client) as by_client
from portal_events
where
    action = 'login'
    and outcome = 'failed'
    and happened_at >= $since;
