package main

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// terminal is a pseudo-terminal: the command writes to slave as to a
// person's terminal, the test reads what it shows from master.
type terminal struct{ master, slave *os.File }

func openTerminal(t *testing.T) terminal {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var n uint32
	var ioctlErr error
	conn, err := master.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	// SyscallConn keeps the master non-blocking, so reads can time out.
	err = conn.Control(func(fd uintptr) {
		var unlock int32
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
			ioctlErr = e
			return
		}
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
			ioctlErr = e
		}
	})
	if err != nil || ioctlErr != nil {
		t.Skipf("no pseudo-terminal: %v %v", err, ioctlErr)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	return terminal{master, slave}
}

// read returns what the terminal has shown since the last read.
func (tt terminal) read(t *testing.T) string {
	t.Helper()
	var shown []byte
	buf := make([]byte, 4096)
	for {
		if err := tt.master.SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		n, err := tt.master.Read(buf)
		shown = append(shown, buf[:n]...)
		if err != nil {
			return string(shown)
		}
	}
}
