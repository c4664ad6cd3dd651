// Package unsubscribe signs and checks the unsubscribe links at the foot of
// every DM the brand sends (the welcome DM and campaign DMs):
// <base>?uid=<uid>&sig=<HMAC>. The actions and campaigns put the footer on
// their DMs; the page the link opens is shared/web's UnsubscribePage, served
// by twitter_callback.
package unsubscribe
