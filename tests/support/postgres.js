// Starts a throwaway PostgreSQL for a test: initdb into a fresh temporary directory, a server
// on a free loopback port, and stops it by the postmaster's PID (never by name: other
// engineers' and the host's servers run on the same machine). The server refuses to run as
// root, so as root everything runs as the `postgres` user that Debian's package creates.
const { execFileSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { freePort, waitFor } = require('./node-red')

/** Debian's binaries: /usr/lib/postgresql/<major>/bin, the newest installed (or $PG_BIN). */
function binDir () {
    if (process.env.PG_BIN) return process.env.PG_BIN
    const base = '/usr/lib/postgresql'
    const majors = fs.existsSync(base) ? fs.readdirSync(base).filter(v => /^\d+$/.test(v)).sort((a, b) => b - a) : []
    const found = majors.map(v => path.join(base, v, 'bin')).find(d => fs.existsSync(path.join(d, 'initdb')))
    if (!found) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run "bash scripts/setup.sh"')
    return found
}

const asRoot = process.getuid && process.getuid() === 0

/** Runs a PostgreSQL program, as the postgres user when we are root. */
function run (program, args) {
    const file = path.join(binDir(), program)
    const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args]
    try {
        return execFileSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (err) {
        throw new Error(`${program} failed: ${err.stderr || err.message}`)
    }
}

function postgresUser () {
    const [uid, gid] = ['-u', '-g'].map(flag => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()))
    return { uid, gid }
}

const running = new Set()
// If mocha dies before its after hooks, no server is left behind: SIGQUIT is the immediate
// shutdown, and a signal is all an exit handler can still send.
process.on('exit', () => {
    for (const pid of running) {
        try { process.kill(pid, 'SIGQUIT') } catch (_) {}
    }
})

function alive (pid) {
    try {
        process.kill(pid, 0)
        return true
    } catch (err) {
        return err.code === 'EPERM'
    }
}

/**
 * A new server in a new directory, asking a password over TCP. Returns {url, host, port,
 * database, user, password, pid, dir, stop, halt, restart}:
 * `halt()` stops the server and keeps its data (a "database down" test), `restart()` starts it
 * again on the same directory and port, `stop()` stops it and deletes the directory.
 */
async function startPostgres () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-pg-'))
    if (asRoot) {
        const { uid, gid } = postgresUser()
        fs.chownSync(dir, uid, gid)
    }
    const data = path.join(dir, 'data')
    const logFile = path.join(dir, 'server.log')
    const pidFile = path.join(data, 'postmaster.pid')
    const port = await freePort()
    // A password over TCP (as a real database asks), so a test can tell it was sent.
    const user = 'postgres'
    const password = crypto.randomBytes(12).toString('hex')
    const pwfile = path.join(dir, 'pwfile')
    fs.writeFileSync(pwfile, password + '\n')
    if (asRoot) fs.chownSync(pwfile, fs.statSync(dir).uid, fs.statSync(dir).gid)
    run('initdb', ['-D', data, '-U', user, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'])
    fs.rmSync(pwfile)

    let pid = null
    const server = {
        url: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
        host: '127.0.0.1',
        port,
        database: 'postgres',
        user,
        password,
        dir,
        get pid () { return pid },
        log: () => fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '',
        async restart () {
            if (pid) throw new Error('PostgreSQL is already running')
            // Only on loopback, with its socket in its own directory (not /var/run/postgresql).
            // fsync off: the tests stop the server cleanly, never the machine.
            const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`
            try {
                run('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '60', 'start'])
            } catch (err) {
                throw new Error(`${err.message}\n${server.log()}`)
            }
            pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])
            running.add(pid)
        },
        async halt () {
            if (!pid) return
            // SIGINT is PostgreSQL's fast shutdown: sessions are ended, committed work is kept.
            try { process.kill(pid, 'SIGINT') } catch (err) { if (err.code !== 'ESRCH') throw err }
            const stopping = pid
            // The postmaster removes its PID file as its last act; in a container whose init
            // does not reap, the process itself may linger as a zombie.
            await waitFor(() => !fs.existsSync(pidFile) || !alive(stopping), { timeout: 60000, interval: 50, what: `PostgreSQL (PID ${stopping}) to stop` })
            running.delete(stopping)
            pid = null
        },
        async stop () {
            await server.halt()
            fs.rmSync(dir, { recursive: true, force: true })
        }
    }
    try {
        await server.restart()
    } catch (err) {
        fs.rmSync(dir, { recursive: true, force: true })
        throw err
    }
    return server
}

/**
 * For a mocha `describe` of node tests: a PostgreSQL and a pool to it, and Node-RED's test
 * helper, started before the tests and stopped after (flows unloaded after each test).
 * `prepare(pool)` runs once the server is up (make schemas, tables). Returns getters for
 * the server and pool, a `pings-database` config node for a table, and its credentials.
 */
function postgresForNodeTests (helper, prepare = async () => {}) {
    const { Pool } = require('pg')
    const state = { server: null, pool: null }
    before(async function () {
        state.server = await startPostgres()
        state.pool = new Pool({ connectionString: state.server.url, max: 4 })
        state.pool.on('error', () => {}) // an idle connection a restart ended: the pool replaces it
        await prepare(state.pool)
        await helper.startServer()
    })
    after(async function () {
        await helper.stopServer()
        if (state.pool) await state.pool.end()
        if (state.server) await state.server.stop()
    })
    afterEach(() => helper.unload())
    return {
        get server () { return state.server },
        get pool () { return state.pool },
        /** The config node for `table` on this server (id `db`), with `extra` settings. */
        database: (table, extra = {}) => ({ id: 'db', type: 'pings-database', host: state.server.host, port: String(state.server.port), database: state.server.database, user: state.server.user, table, ssl: 'off', ...extra }),
        credentials: () => ({ db: { password: state.server.password } })
    }
}

module.exports = { startPostgres, postgresForNodeTests }
