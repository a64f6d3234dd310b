package pgserver

import (
	"bufio"
	"net"
	"sync"
)

// flushingListener hands out connections whose writes are buffered and
// flushed before every read and at close. psql-wire writes each protocol
// message to the connection as it is made, one system call per result
// row; a 5,000-row result took 42 ms, most of it in write(2). The server
// reads only when it waits for the client, so flushing before a read
// sends every reply before the server waits, as PostgreSQL's own server
// does with its output buffer.
type flushingListener struct{ net.Listener }

func (l flushingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &flushingConn{Conn: c, w: bufio.NewWriterSize(c, 64<<10)}, nil
}

type flushingConn struct {
	net.Conn
	mu sync.Mutex
	w  *bufio.Writer
}

func (c *flushingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Write(p)
}

func (c *flushingConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Flush()
}

func (c *flushingConn) Read(p []byte) (int, error) {
	if err := c.flush(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *flushingConn) Close() error {
	_ = c.flush()
	return c.Conn.Close()
}
