-- Whether a portal session was ended at its logout: the logout event's detail holds the session's id, so the
-- signed cookie of a session logged out no longer opens a page (a shared office computer keeps it).
select count(*) > 0 as ended
from portal_events
where action = 'logout' and user_name = $user_name and detail = $session_id;
