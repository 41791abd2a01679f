-- Run once by the postgres image on an empty data directory (deploy/compose.yaml mounts it
-- into /docker-entrypoint-initdb.d). One database per service, each owned by its own login
-- role and closed to every other role: a service cannot read another service's database,
-- as in production (docs/adr/0002-one-workspace-own-databases.md). Development passwords.
-- To re-run it: docker compose -f deploy/compose.yaml down -v (drops all local data).

CREATE ROLE hearth_visits LOGIN PASSWORD 'hearth_visits';
CREATE DATABASE hearth_visits OWNER hearth_visits;
REVOKE ALL ON DATABASE hearth_visits FROM PUBLIC;

CREATE ROLE hearth_repairs LOGIN PASSWORD 'hearth_repairs';
CREATE DATABASE hearth_repairs OWNER hearth_repairs;
REVOKE ALL ON DATABASE hearth_repairs FROM PUBLIC;

CREATE ROLE hearth_compliance LOGIN PASSWORD 'hearth_compliance';
CREATE DATABASE hearth_compliance OWNER hearth_compliance;
REVOKE ALL ON DATABASE hearth_compliance FROM PUBLIC;

CREATE ROLE hearth_income LOGIN PASSWORD 'hearth_income';
CREATE DATABASE hearth_income OWNER hearth_income;
REVOKE ALL ON DATABASE hearth_income FROM PUBLIC;

CREATE ROLE hearth_engagement LOGIN PASSWORD 'hearth_engagement';
CREATE DATABASE hearth_engagement OWNER hearth_engagement;
REVOKE ALL ON DATABASE hearth_engagement FROM PUBLIC;
