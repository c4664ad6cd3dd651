// Package xid checks X ids. X ids exceed 2^53, so everywhere in this service
// they stay exact decimal strings and never pass through a float64; Parse is
// the one check every layer uses (configuration, stores, the X client, the
// stream records, the unsubscribe links).
package xid
