package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// postgresDB is a PostgreSQL database that several replicas share. Tables
// are named without a schema: the connection's search_path (settable in
// the URL, ?search_path=composeguard) chooses it, for River's tables too.
type postgresDB struct {
	pgxConn
	pool   *pgxpool.Pool
	client *river.Client[pgx.Tx]
}

// openPostgres connects to the database at databaseURL.
func openPostgres(ctx context.Context, databaseURL string) (*postgresDB, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// pgx's message quotes the URL with its password masked; the
		// reason is all that is needed.
		return nil, fmt.Errorf("database URL: %w", unquoted(err))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", unquoted(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", unquoted(err))
	}
	return &postgresDB{pgxConn: pgxConn{pool}, pool: pool}, nil
}

// unquoted drops the connection string from pgx's parse errors, whose
// password masking is best effort; the URL parser's own reason quotes no
// more than the part it could not read. Connection errors quote user,
// database and host, never the password.
func unquoted(err error) error {
	var parse *pgconn.ParseConfigError
	if !errors.As(err, &parse) {
		return err
	}
	var bad *url.Error
	if errors.As(parse, &bad) {
		return fmt.Errorf("cannot be parsed: %w", bad.Err)
	}
	return errors.New("cannot be parsed")
}

func (p *postgresDB) newClient(cfg *river.Config) (riverClient, error) {
	client, err := river.NewClient(riverpgxv5.New(p.pool), cfg)
	p.client = client
	return client, err
}

func (p *postgresDB) newMigrator(logger *slog.Logger) (migrator, error) {
	return rivermigrate.New(riverpgxv5.New(p.pool), &rivermigrate.Config{Logger: logger})
}

func (p *postgresDB) inTx(ctx context.Context, fn func(tx conn, insert inserter) error) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		return fn(pgxConn{tx}, func(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
			return p.client.InsertTx(ctx, tx, args, opts)
		})
	})
}

func (p *postgresDB) ping(ctx context.Context) error { return p.pool.Ping(ctx) }

func (p *postgresDB) close() error {
	p.pool.Close()
	return nil
}

// lockMigrations holds a session advisory lock, one per schema, on a
// connection of its own: replicas starting together migrate one after the
// other, and the lock goes with the session if the process dies.
func (p *postgresDB) lockMigrations(ctx context.Context) (func(), error) {
	c, err := p.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	const key = `hashtextextended('composeguard migrations ' || current_schema(), 0)`
	if _, err := c.Exec(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		c.Release()
		return nil, fmt.Errorf("lock: %w", err)
	}
	return func() {
		// Unlocked with a context of its own: the caller's may be done.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := c.Exec(ctx, `SELECT pg_advisory_unlock(`+key+`)`); err != nil {
			// Closing the session releases the lock.
			c.Conn().Close(ctx)
		}
		c.Release()
	}, nil
}

func (p *postgresDB) columnTypes() (timestamp, blob string) { return "TIMESTAMPTZ", "BYTEA" }

func (p *postgresDB) timeValue(t time.Time) any { return t }

func (p *postgresDB) shared() bool { return true }

func (p *postgresDB) countInterruption() string {
	return `metadata = jsonb_set(metadata, '{interrupted}', to_jsonb(COALESCE((metadata->>'interrupted')::int, 0) + 1))`
}

// pgxConn runs queries through pgx, numbering the ? placeholders as
// PostgreSQL wants them.
type pgxConn struct {
	q interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
		QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	}
}

func (c pgxConn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, numbered(query), args...)
	return tag.RowsAffected(), err
}

func (c pgxConn) queryRow(ctx context.Context, query string, args ...any) row {
	return c.q.QueryRow(ctx, numbered(query), args...)
}

func (c pgxConn) queryEach(ctx context.Context, query string, each func(row) error, args ...any) error {
	rows, err := c.q.Query(ctx, numbered(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachRow(rows, each)
}

// numbered turns each ? into $1, $2…; the project's queries hold no ? in a
// string literal.
func numbered(query string) string {
	var b strings.Builder
	n := 0
	for {
		i := strings.IndexByte(query, '?')
		if i < 0 {
			b.WriteString(query)
			return b.String()
		}
		n++
		b.WriteString(query[:i])
		b.WriteString("$" + strconv.Itoa(n))
		query = query[i+1:]
	}
}
