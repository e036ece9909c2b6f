package download

import (
	"strconv"
	"time"
)

// EventKind says what an [Event] reports.
type EventKind int

// The kinds of [Event], in the order a fetch emits them. Progress repeats as
// bytes arrive; Retrying and a new Started follow each failed attempt that
// will be retried; a fetch ends with exactly one Done or Failed.
const (
	Started  EventKind = iota + 1 // an attempt got its slot and starts
	Progress                      // body bytes arrived
	Retrying                      // an attempt failed and another will follow after Delay
	Done                          // the fetch succeeded
	Failed                        // the fetch failed for good
)

// String returns the kind's lower-case name, such as "retrying".
func (k EventKind) String() string {
	switch k {
	case Started:
		return "started"
	case Progress:
		return "progress"
	case Retrying:
		return "retrying"
	case Done:
		return "done"
	case Failed:
		return "failed"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is a progress report passed to [Downloader.OnEvent].
type Event struct {
	Kind    EventKind
	Src     string        // the source as given to Fetch
	Attempt int           // 1 for the first attempt
	Bytes   int64         // body bytes received so far in this attempt (Progress, Done)
	Total   int64         // declared size, or -1 when unknown (Progress, Done)
	Delay   time.Duration // wait before the next attempt (Retrying)
	Err     error         // why the attempt failed (Retrying) or the final error (Failed)
}
