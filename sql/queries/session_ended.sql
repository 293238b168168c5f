-- Whether the server has ended a portal session. A session is its id: the login that opened it logs the id, and so
-- does the logout that ends it. It has ended when it was logged out, when its login is older than $since (the
-- session's life: the cookie alone would be re-signed, and live, for as long as it is used) or when no login opened
-- it. So the signed cookie of a session logged out or expired opens nothing, even where a shared office computer
-- kept it.
select
    not exists (
        select 1 from portal_events
        where
            action = 'login'
            and outcome = 'ok'
            and user_name = $user_name
            and detail = $session_id
            and happened_at >= $since
    )
    or exists (
        select 1 from portal_events
        where action = 'logout' and user_name = $user_name and detail = $session_id
    ) as ended;
