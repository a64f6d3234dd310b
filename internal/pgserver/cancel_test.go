package pgserver

import (
	"context"
	"testing"
)

func TestCancelNeedsTheRightKey(t *testing.T) {
	var c cancels
	ctx := context.Background()
	pid, secret := c.issue(ctx)
	k := c.claim(ctx)
	if k == nil || k.pid != pid {
		t.Fatalf("claim = %+v, want the key of pid %d", k, pid)
	}
	stopped := 0
	done := k.running(func() { stopped++ })
	_ = c.cancel(ctx, pid, secret+1)
	_ = c.cancel(ctx, pid+1, secret)
	if stopped != 0 {
		t.Fatalf("a cancel with a wrong key or pid stopped the statement")
	}
	_ = c.cancel(ctx, pid, secret)
	if stopped != 1 {
		t.Fatalf("the right key stopped %d times, want 1", stopped)
	}
	done()
	_ = c.cancel(ctx, pid, secret) // between statements: nothing to stop
	c.forget(k)
	_ = c.cancel(ctx, pid, secret) // after the session: unknown
	if stopped != 1 {
		t.Errorf("stopped %d times after the statement ended", stopped)
	}
}
