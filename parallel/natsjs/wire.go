package natsjs

// Headers of task, result and dead-letter messages. The payload of a task
// is its encoded input, of a result the encoded output or, with
// hdrStatus = statusError, an error written by backend.MarshalError.
const (
	hdrTask       = "Fanout-Task"       // task name
	hdrID         = "Fanout-Id"         // task id, unique per Run
	hdrReply      = "Fanout-Reply"      // subject the result goes to
	hdrObject     = "Fanout-Object"     // object store name holding the payload (claim check)
	hdrStatus     = "Fanout-Status"     // statusError on a failure result
	hdrDropped    = "Fanout-Dropped"    // failure result: the task was terminated without a dead letter
	hdrError      = "Fanout-Error"      // dead letter: the last error
	hdrDeliveries = "Fanout-Deliveries" // dead letter: how often the task was delivered
	hdrStreamSeq  = "Fanout-Stream-Seq" // dead letter: sequence in the task stream

	statusError = "error"
)

// Message ids for publish de-duplication: the task id itself for the task,
// these prefixes and the id for its result and its dead letter.
const (
	resultMsgIDPrefix = "res-"
	dlqMsgIDPrefix    = "dlq-"
)

// Object names of claim-checked payloads.
func inputObject(id string) string  { return "in." + id }
func outputObject(id string) string { return "out." + id }
