package proc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The protocol between a parent and its workers is a stream of frames in
// each direction: tasks and nothing else flow to the worker on one pipe,
// results flow back on another. A frame is a 4-byte big-endian length n
// followed by n bytes of body; the body's first byte is its kind:
//
//	'H' hello   version (2 bytes)                    worker -> parent, once, first
//	'T' task    id (8), name length (2), name, input parent -> worker
//	'R' result  id (8), output                        worker -> parent
//	'E' error   id (8), backend.MarshalError bytes  worker -> parent
//
// A worker runs one task at a time and answers each task with exactly one
// 'R' or 'E' frame carrying the task's id.
const (
	kindHello  byte = 'H'
	kindTask   byte = 'T'
	kindResult byte = 'R'
	kindError  byte = 'E'
)

// protocolVersion is sent in the hello frame; the parent refuses a worker
// that speaks another version.
const protocolVersion = 1

// Frame layout sizes.
const (
	lenSize      = 4
	idSize       = 8
	nameLenSize  = 2
	taskOverhead = 1 + idSize + nameLenSize
)

// maxNameLen is the longest task name a task frame can carry.
const maxNameLen = 1<<16 - 1

// maxFrame is the largest frame body either side ever sends or accepts:
// the most a worker accepts, and the bound on [Config.MaxFrame], well
// within the 32-bit length prefix.
const maxFrame = 1 << 30

// errFrameTooLarge is wrapped by readFrame when a frame's announced length
// is over the reader's limit.
var errFrameTooLarge = errors.New("frame too large")

// frame is one decoded protocol frame.
type frame struct {
	kind    byte
	id      uint64 // task, result, error
	version uint16 // hello
	name    string // task
	payload []byte // task input, result output, marshalled error
}

// appendFrame appends the encoding of f, length prefix included, to dst.
// It panics if a task's name is longer than maxNameLen; callers check.
func appendFrame(dst []byte, f frame) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, f.kind)
	switch f.kind {
	case kindHello:
		dst = binary.BigEndian.AppendUint16(dst, f.version)
	case kindTask:
		if len(f.name) > maxNameLen {
			panic("proc: task name too long for a frame")
		}
		dst = binary.BigEndian.AppendUint64(dst, f.id)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(f.name)))
		dst = append(dst, f.name...)
		dst = append(dst, f.payload...)
	case kindResult, kindError:
		dst = binary.BigEndian.AppendUint64(dst, f.id)
		dst = append(dst, f.payload...)
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-lenSize))
	return dst
}

// readFrame reads one frame from r. A frame whose body is longer than limit
// bytes is refused before anything is allocated for it, so a misbehaving
// peer cannot make the reader allocate more than limit bytes. It returns
// io.EOF only when r ends cleanly between frames.
func readFrame(r io.Reader, limit int) (frame, error) {
	var hdr [lenSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return frame{}, fmt.Errorf("proc: truncated frame header: %w", err)
		}
		return frame{}, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if uint64(n) > uint64(limit) {
		return frame{}, fmt.Errorf("proc: %w: %d bytes, limit %d", errFrameTooLarge, n, limit)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return frame{}, fmt.Errorf("proc: truncated frame of %d bytes: %w", n, err)
	}
	return parseFrame(body)
}

// parseFrame decodes a frame body (the bytes after the length prefix). The
// payload aliases body.
func parseFrame(body []byte) (frame, error) {
	if len(body) == 0 {
		return frame{}, errors.New("proc: empty frame")
	}
	f := frame{kind: body[0]}
	b := body[1:]
	switch f.kind {
	case kindHello:
		if len(b) != 2 {
			return frame{}, fmt.Errorf("proc: hello frame of %d bytes, want 3", len(body))
		}
		f.version = binary.BigEndian.Uint16(b)
	case kindTask:
		if len(b) < idSize+nameLenSize {
			return frame{}, fmt.Errorf("proc: task frame of %d bytes is too short", len(body))
		}
		f.id = binary.BigEndian.Uint64(b)
		n := int(binary.BigEndian.Uint16(b[idSize:]))
		b = b[idSize+nameLenSize:]
		if n > len(b) {
			return frame{}, fmt.Errorf("proc: task frame names %d bytes but holds %d", n, len(b))
		}
		f.name, f.payload = string(b[:n]), b[n:]
	case kindResult, kindError:
		if len(b) < idSize {
			return frame{}, fmt.Errorf("proc: result frame of %d bytes is too short", len(body))
		}
		f.id = binary.BigEndian.Uint64(b)
		f.payload = b[idSize:]
	default:
		return frame{}, fmt.Errorf("proc: unknown frame kind %q", f.kind)
	}
	return f, nil
}
