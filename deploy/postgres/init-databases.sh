#!/usr/bin/env bash
# Creates one database per service, owned by a login role of the same name that can reach no other
# service's database (PRODUCT.md 2: no service reads another's tables).
#
# The postgres image runs this once, when its data volume is first initialised
# (/docker-entrypoint-initdb.d); it reads each role's password from CRM_<SERVICE>_DB_PASSWORD.
# Add a line to the list at the bottom when a service joins docker-compose.yml.
set -euo pipefail

create_service_database() {
    local name="$1" password="$2"
    if [[ -z "$password" ]]; then
        echo "init-databases: no password given for the '$name' role" >&2
        exit 1
    fi
    # psql variables (:"name" quotes an identifier, :'password' a literal) keep the values out of
    # the SQL text; they are interpolated in SQL read from standard input.
    psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v name="$name" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
}

create_service_database customer "${CRM_CUSTOMER_DB_PASSWORD:-}"
create_service_database gateway "${CRM_GATEWAY_DB_PASSWORD:-}"
create_service_database complaint "${CRM_COMPLAINT_DB_PASSWORD:-}"
create_service_database reminder "${CRM_REMINDER_DB_PASSWORD:-}"
create_service_database reporting "${CRM_REPORTING_DB_PASSWORD:-}"
