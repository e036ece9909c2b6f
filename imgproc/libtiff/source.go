package libtiff

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

// callbacks are the C function pointers given to libtiff.
type callbacks struct {
	read, write, seek, close, size, mapFile, unmapFile uintptr
	errorHandler, warningHandler                       uintptr
}

// source is the state of one open TIFF: the caller's data, the read
// position, and libtiff's messages about it. libtiff calls back on the
// goroutine that called it, so a source is only touched by that goroutine.
type source struct {
	data     []byte
	pos      int64
	errs     []string
	warnings []string
}

// maxMessages bounds the messages kept per call: a damaged file can make
// libtiff warn once per strip.
const maxMessages = 8

func (s *source) note(warning bool, msg string) {
	list := &s.errs
	if warning {
		list = &s.warnings
	}
	if len(*list) < maxMessages {
		*list = append(*list, msg)
	}
}

func (s *source) read(buf []byte) int {
	if s.pos >= int64(len(s.data)) {
		return 0
	}
	n := copy(buf, s.data[s.pos:])
	s.pos += int64(n)
	return n
}

func (s *source) seek(off int64, whence int32) (int64, bool) {
	switch whence {
	case 0: // SEEK_SET
	case 1: // SEEK_CUR
		off += s.pos
	case 2: // SEEK_END
		off += int64(len(s.data))
	default:
		return 0, false
	}
	if off < 0 {
		return 0, false
	}
	s.pos = off
	return off, true
}

// The table of open sources, keyed by the client handle given to libtiff
// (never 0: libtiff passes 0 for messages that belong to no file).
var table struct {
	sync.Mutex
	next uintptr
	m    map[uintptr]*source
}

func lookup(h uintptr) *source {
	table.Lock()
	defer table.Unlock()
	return table.m[h]
}

// handle is an open TIFF.
type handle struct {
	l   *Lib
	tif uintptr
	h   uintptr
	src *source
}

// open opens data with TIFFClientOpen; close the handle after use. With
// libtiff 4.5 and later, a pixel budget (maxPixels > 0) also bounds each
// of libtiff's own allocations, to 16 bytes a pixel of the budget (at least
// 64 MiB), so that a header declaring huge strips or tiles costs nothing.
func (l *Lib) open(data []byte, maxPixels int64) (*handle, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("libtiff: open: %w: %d bytes", ErrTruncated, len(data))
	}
	s := &source{data: data}
	table.Lock()
	if table.m == nil {
		table.m = make(map[uintptr]*source)
	}
	table.next++
	h := table.next
	table.m[h] = s
	table.Unlock()
	t := &handle{l: l, h: h, src: s}
	cb := &l.cb
	if opts := uintptr(0); maxPixels > 0 && l.fn.optionsAlloc != nil {
		if opts = l.fn.optionsAlloc(); opts != 0 {
			l.fn.optionsMaxAlloc(opts, max(64<<20, 16*min(maxPixels, 1<<40)))
			t.tif = l.fn.clientOpenWithOpts("memory", "r", h, cb.read, cb.write, cb.seek, cb.close, cb.size, cb.mapFile, cb.unmapFile, opts)
			l.fn.optionsFree(opts)
		}
	} else {
		t.tif = l.fn.clientOpen("memory", "r", h, cb.read, cb.write, cb.seek, cb.close, cb.size, cb.mapFile, cb.unmapFile)
	}
	if t.tif == 0 {
		var cause error
		if headerPastEnd(data) {
			cause = fmt.Errorf("%w: the first directory is past the end of the %d bytes", ErrTruncated, len(data))
		}
		err := t.fail("open", cause)
		t.release()
		return nil, err
	}
	return t, nil
}

// close closes the TIFF and forgets its source.
func (t *handle) close() {
	if t.tif != 0 {
		t.l.fn.close(t.tif)
		t.tif = 0
	}
	t.release()
}

func (t *handle) release() {
	table.Lock()
	delete(table.m, t.h)
	table.Unlock()
}

// fail returns the error of a failed operation op: libtiff's messages
// (its warnings too when it gave no error), or cause, wrapping
// ErrTruncated when the data ends before a strip or tile does.
func (t *handle) fail(op string, cause error) error {
	msgs := t.src.errs
	if len(msgs) == 0 {
		msgs = t.src.warnings
	}
	msg := strings.Join(msgs, "; ")
	var errs []error
	if cause != nil {
		errs = append(errs, cause)
		text := strings.TrimPrefix(cause.Error(), "libtiff: ")
		if msg == "" {
			msg = text
		} else {
			msg = text + ": " + msg
		}
	}
	if msg == "" {
		msg = "failed"
	}
	if !errors.Is(cause, ErrTruncated) && t.truncated() {
		errs = append(errs, ErrTruncated)
		msg += " (the data ends before the image does)"
	}
	return &opError{msg: "libtiff: " + op + ": " + msg, errs: errs}
}

// truncated reports whether one of the first 4096 strips or tiles lies
// past the end of the data (a bound: each costs two calls into libtiff).
func (t *handle) truncated() bool {
	if t.tif == 0 || t.l.fn.strileOffset == nil {
		return false
	}
	n := t.l.fn.numberOfStrips(t.tif)
	if t.l.fn.isTiled(t.tif) != 0 {
		n = t.l.fn.numberOfTiles(t.tif)
	}
	size := uint64(len(t.src.data))
	for i := uint32(0); i < n && i < 1<<12; i++ {
		off, cnt := t.l.fn.strileOffset(t.tif, i), t.l.fn.strileByteCount(t.tif, i)
		if off > size || cnt > size-off {
			return true
		}
	}
	return false
}

type opError struct {
	msg  string
	errs []error
}

func (e *opError) Error() string   { return e.msg }
func (e *opError) Unwrap() []error { return e.errs }

// message formats one of libtiff's messages: "module: text".
func (l *Lib) message(module, format *byte, ap uintptr) string {
	text := ""
	if l.vsn != nil && format != nil {
		var buf [512]byte
		if n := l.vsn(&buf[0], uintptr(len(buf)), format, ap); n > 0 {
			text = cString(&buf[0], len(buf))
		}
	}
	if text == "" {
		text = cString(format, 512)
	}
	if m := cString(module, 128); m != "" {
		return m + ": " + text
	}
	return text
}

// pointer returns the address of b's first byte, or nil.
func pointer[T any](b []T) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// headerPastEnd reports whether the first directory of the TIFF or
// BigTIFF data lies past its end.
func headerPastEnd(d []byte) bool {
	var bo binary.ByteOrder
	switch string(d[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return false
	}
	switch bo.Uint16(d[2:]) {
	case 42:
		return uint64(bo.Uint32(d[4:]))+2 > uint64(len(d))
	case 43:
		return len(d) < 16 || bo.Uint64(d[8:]) > uint64(len(d))-8
	}
	return false
}
