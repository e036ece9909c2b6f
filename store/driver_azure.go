//go:build !noazure

package store

// azblob:// locations. Build with -tags noazure to leave Azure Blob
// Storage out, as -tags nogcs does for Google Cloud Storage.
import _ "gocloud.dev/blob/azureblob"
