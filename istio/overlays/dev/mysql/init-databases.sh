# One database and one user per service (each service owns its data). Sourced by the mysql image's
# entrypoint on first start (keep it non-executable: only sourced scripts get its docker_process_sql helper);
# used by overlays/dev and docker-compose.yml.
for svc in auth paste analytics; do
  var="$(echo "$svc" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="${!var:?$var must be set}"
  docker_process_sql --database=mysql <<SQL
CREATE DATABASE IF NOT EXISTS \`pastemesh_${svc}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS 'pastemesh_${svc}'@'%' IDENTIFIED BY '${password}';
GRANT ALL PRIVILEGES ON \`pastemesh_${svc}\`.* TO 'pastemesh_${svc}'@'%';
SQL
done
