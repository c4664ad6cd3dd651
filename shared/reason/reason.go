package reason

// Code is an outcome reason, such as "x_unavailable" or "session_expired";
// "" means none (a success). Its values are a contract: they appear in
// redirects, logs, metrics and stored items.
type Code string

// String is the reason as it is written out.
func (c Code) String() string { return string(c) }
