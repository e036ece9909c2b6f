// Package natsserver starts a NATS server with JetStream inside the current
// process. The fanout server command uses it for single-node clusters, and
// the tests of the cluster backend use it so that they run offline in
// milliseconds. It wraps github.com/nats-io/nats-server/v2, the NATS server
// itself as a Go module (pinned at v2.15.2, which has the work-queue fixes the
// cluster relies on); it lives under internal so that only the fanout command
// and tests pay for its size.
//
// Authentication is on unless the caller asks for none: with neither a token
// nor a user and password in [Options], [Start] generates a random token,
// which [Server.Token] returns. TLS is enabled by a certificate and key; a CA
// file in addition makes the server verify client certificates.
//
// Servers form a JetStream cluster through [Options.Cluster] and
// [Options.Routes] (the routes authenticate with the clients' credentials),
// and serve the server's monitoring endpoint on [Options.HTTP].
package natsserver
