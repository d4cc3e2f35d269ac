# Sourced by .ci/run: the database servers the SQL source tests talk to.
# Installs Debian's PostgreSQL and a Java runtime (for local Spark) when missing, starts a
# throwaway PostgreSQL cluster as the `postgres` user on a socket in a temporary folder
# (no TCP port), and exports FUNNEL_TEST_POSTGRES_URL for the tests. Stopped on exit.

_funnel_missing_packages() {
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || echo postgresql
    command -v java >/dev/null 2>&1 || echo default-jre-headless
}

if [ "$(id -u)" = 0 ]; then
    missing=$(_funnel_missing_packages)
    if [ -n "$missing" ]; then
        echo "installing test servers: $missing"
        # A failed install is not fatal here: the tests that need the server then fail
        # on CI with the reason (and skip elsewhere).
        # shellcheck disable=SC2086 # one word per package
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends $missing >/dev/null; } \
            || echo "could not install $missing"
    fi
fi

_funnel_pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "${FUNNEL_TEST_POSTGRES_URL:-}" ] && [ -n "$_funnel_pg_bin" ]; then
    _funnel_pg_dir=$(mktemp -d /tmp/funnel-pg.XXXXXX)
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$_funnel_pg_dir"
        _funnel_pg() { runuser -u postgres -- "$@"; }   # PostgreSQL refuses to run as root
    else
        _funnel_pg() { "$@"; }
    fi
    _funnel_pg "$_funnel_pg_bin/initdb" -D "$_funnel_pg_dir/data" -A trust -U postgres \
        -E UTF8 --locale=C.UTF-8 >/dev/null
    _funnel_pg "$_funnel_pg_bin/pg_ctl" -D "$_funnel_pg_dir/data" -l "$_funnel_pg_dir/log" -w \
        -o "-k $_funnel_pg_dir -c listen_addresses= -p 54329 -c fsync=off" start >/dev/null
    _funnel_stop_pg() {
        _funnel_pg "$_funnel_pg_bin/pg_ctl" -D "$_funnel_pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$_funnel_pg_dir"
    }
    trap _funnel_stop_pg EXIT
    export FUNNEL_TEST_POSTGRES_URL="postgresql://postgres@/postgres?host=$_funnel_pg_dir&port=54329"
    echo "PostgreSQL for the tests: $_funnel_pg_dir (socket)"
fi
