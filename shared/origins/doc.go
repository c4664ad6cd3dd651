// Package origins decides which web pages may start a sign-in: the origins
// (RFC 6454: scheme, host and port) of the brand's own pages. A browser
// names the page that sends a cross-site POST in the Origin header (Fetch
// standard, "origin" request header), and a sign-in started by any other
// page is a login CSRF: X sends an already-authorized visitor straight back,
// so the page would choose for them what their account does.
package origins
