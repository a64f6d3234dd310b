package warehouse

import (
	"context"
	"fmt"

	sqltext "github.com/skolestat/skolestat/sql"
)

// migrate applies the embedded migrations the next state lacks, each in its
// own transaction, and records them in meta.schema_migrations.
func (b *Build) migrate(ctx context.Context) error {
	migrations, err := sqltext.Migrations()
	if err != nil {
		return err
	}
	if _, err := b.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`); err != nil {
		return fmt.Errorf("creating meta.schema_migrations: %w", err)
	}
	var current int
	if err := b.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM meta.schema_migrations", nil, &current); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if last := migrations[len(migrations)-1].Version; current > last {
		return fmt.Errorf("warehouse %s has schema version %d, newer than this skolestat knows (%d): upgrade skolestat", b.path, current, last)
	}
	for _, m := range migrations {
		if m.Version <= current {
			continue
		}
		err := b.InTx(ctx, func() error {
			if _, err := b.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := b.Exec(ctx, "INSERT INTO meta.schema_migrations (version, name) VALUES (?, ?)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("applying migration %04d_%s: %w", m.Version, m.Name, err)
		}
		b.log.Debug("applied migration", "version", m.Version, "name", m.Name)
	}
	return nil
}
