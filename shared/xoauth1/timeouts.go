package xoauth1

import "time"

// defaultTimeout bounds one call to X when the caller gives no client: the
// sign-in functions have 10 s in all, and a visitor is waiting.
const defaultTimeout = 4 * time.Second
