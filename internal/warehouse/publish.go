package warehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Publish makes the Build the published warehouse in one step: it
// checkpoints and closes the next state, fsyncs it, renames it over the
// published file and fsyncs the folder. After Publish returns nil, the
// published file is the new state and survives a power cut; if it returns an
// error, the published file is the old state unless the error says the
// rename happened. The Build is finished either way.
func (b *Build) Publish(ctx context.Context) error {
	if b.done {
		return errors.New("warehouse: Publish on a finished build")
	}
	if b.inTx {
		return errors.New("warehouse: Publish inside a transaction")
	}
	if _, err := b.conn.ExecContext(ctx, "CHECKPOINT"); err != nil {
		b.Abort()
		return fmt.Errorf("checkpointing %s: %w", b.next, err)
	}
	b.done = true
	if err := b.close(); err != nil {
		_ = removeFiles(b.next, b.next+".wal")
		return fmt.Errorf("closing %s: %w", b.next, err)
	}
	if _, err := os.Stat(b.next + ".wal"); err == nil {
		_ = removeFiles(b.next, b.next+".wal")
		return fmt.Errorf("publishing %s: a write-ahead log remained after the checkpoint; nothing was published", b.next)
	}
	if err := syncFile(b.next); err != nil {
		_ = removeFiles(b.next)
		return fmt.Errorf("flushing %s to disk: %w", b.next, err)
	}
	b.pause("publish:before-rename")
	if err := os.Rename(b.next, b.path); err != nil {
		_ = removeFiles(b.next)
		return fmt.Errorf("renaming %s to %s: %w", b.next, b.path, err)
	}
	b.pause("publish:after-rename")
	if err := syncDir(filepath.Dir(b.path)); err != nil {
		return fmt.Errorf("published %s, but flushing its folder failed (a power cut could undo it): %w", b.path, err)
	}
	b.log.Debug("published warehouse", "path", b.path)
	return nil
}

func (b *Build) pause(point string) {
	if b.opt.Pause != nil {
		b.opt.Pause(point)
	}
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
