// Package campaignstore keeps promotional DM campaigns in the
// <stage>_campaigns DynamoDB table (key campaign_id, S): the text, the
// status, the resumable cursor over the subscribers (the uid after which the
// next run continues), the counts (sent, skipped, failed, unknown), the
// times, and a lease so that two runs of one campaign (a manual one and the
// schedule) never overlap. It implements campaigns.Catalog and
// campaigns.Leases.
//
// Which users got a campaign is not kept here but on each user item
// (useritem.AttrCampaignsSent): the per-user mark is what makes "never
// twice" hold, whatever happens to the campaign record.
package campaignstore
