package pgserver

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"sync"
)

// cancels lets a client stop its running statement the PostgreSQL way
// (psql's Ctrl-C, a driver's cancel): each session is given a process id
// and a secret key on connecting (BackendKeyData); a cancel request that
// names both stops what the session is running, and nothing else.
//
// psql-wire asks for the key before the session exists, with only the
// connection's context, so the key waits under the client's address until
// openSession claims it.
type cancels struct {
	mu       sync.Mutex
	next     int32
	byPID    map[int32]*cancelKey
	byRemote map[string]*cancelKey
}

type cancelKey struct {
	pid, secret int32
	mu          sync.Mutex
	stop        context.CancelFunc // of the running statement; nil between statements
}

// issue makes the key of a connection (psql-wire's BackendKeyData).
func (c *cancels) issue(ctx context.Context) (int32, int32) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byPID == nil {
		c.byPID, c.byRemote = map[int32]*cancelKey{}, map[string]*cancelKey{}
	}
	c.next++
	k := &cancelKey{pid: c.next, secret: int32(binary.BigEndian.Uint32(b[:]) & 0x7fffffff)}
	c.byPID[k.pid] = k
	c.byRemote[remote(ctx)] = k
	return k.pid, k.secret
}

// claim hands the key issued to the client at ctx's address to its session.
func (c *cancels) claim(ctx context.Context) *cancelKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.byRemote[remote(ctx)]
	delete(c.byRemote, remote(ctx))
	return k
}

// forget drops a session's key when it ends.
func (c *cancels) forget(k *cancelKey) {
	if k == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byPID, k.pid)
}

// cancel stops the statement of the session with pid if secret matches
// (psql-wire's CancelRequest). A wrong key is ignored, as PostgreSQL does.
func (c *cancels) cancel(_ context.Context, pid, secret int32) error {
	c.mu.Lock()
	k := c.byPID[pid]
	c.mu.Unlock()
	if k == nil || k.secret != secret {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stop != nil {
		k.stop()
	}
	return nil
}

// running registers the stop function of the statement a session runs
// now; the returned function unregisters it.
func (k *cancelKey) running(stop context.CancelFunc) func() {
	if k == nil {
		return func() {}
	}
	k.mu.Lock()
	k.stop = stop
	k.mu.Unlock()
	return func() {
		k.mu.Lock()
		k.stop = nil
		k.mu.Unlock()
	}
}
