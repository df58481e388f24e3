-- Which session holds each database's relay lock, named by the application_name its instance gives its connections
-- (run.sh sets "consent-svcN"). EventRelay takes pg_try_advisory_lock(hashtext('consent-relay:<schema>:rabbitmq')) on
-- each database; a bigint advisory key shows in pg_locks as classid (its high 32 bits) and objid (its low 32 bits),
-- objsubid 1. Read by run.sh relay-holders (psql) and the fault driver (every second, on each PostgreSQL node).
select d.datname, coalesce(nullif(a.application_name, ''), 'pid ' || l.pid) as holder
from pg_locks l
join pg_database d on d.oid = l.database
left join pg_stat_activity a on a.pid = l.pid
cross join (select hashtext('consent-relay:consent:rabbitmq')::bigint as k) relay
where l.locktype = 'advisory' and l.granted and l.objsubid = 1
  and l.classid::bigint = ((relay.k >> 32) & 4294967295) and l.objid::bigint = (relay.k & 4294967295)
order by d.datname, holder;
