//go:build !nogcs

package store

// gs:// locations. Build with -tags nogcs (and noazure) to leave Google
// Cloud Storage (and Azure) out: the two SDKs add about 22 MB of resident
// memory and 20 ms to the start of every process of the binary, worker
// processes included (measured with fanout version, 2026-12-02).
import _ "gocloud.dev/blob/gcsblob"
