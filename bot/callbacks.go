package bot

import (
	"context"

	"deputybot"
)

// Buttons carry callback data of at most 64 bytes: "<prefix>:<arguments>".
// The prefixes and the action codes are defined here, once.

// callbacks maps the prefix of a button's callback data to its handler.
func (b *Bot) callbacks() map[string]func(ctx context.Context, r *request, arg string) error {
	return map[string]func(ctx context.Context, r *request, arg string) error{
		"c":    b.onConversationButton, // c:<nonce>:<value>
		"lang": b.onLangButton,         // lang:<zh|en>
		"pp":   b.onPeoplePage,         // pp:<role|->:<offset>
		"rn":   b.onRenewInvitation,    // rn:<person id>
		"dp":   b.onDepartmentsButton,  // dp:add
		"it":   b.onItemButton,         // it:<item id>: show the card
		"my":   b.onMyPage,             // my:<offset>
		"ib":   b.onInboxPage,          // ib:<offset>
		"wd":   b.onWithdraw,           // wd:<item id>: ask to confirm
		"wy":   b.onWithdrawConfirmed,  // wy:<item id>
		"cs":   b.onCoSponsorAnswer,    // cs:<item id>:<y|n>[:<share token>]
		"at":   b.onAttachments,        // at:<item id>
		"ed":   b.onContinueDraft,      // ed:<item id>
		"ha":   b.onHandlingButton,     // ha:<item id>:<action code>
		"rt":   b.onRate,               // rt:<item id>:<round>:<attitude><result> (s|b|u|-)
		"cr":   b.onCoRate,             // cr:<item id>:<round>:<dept id>:<s|b|u>
		"pa":   b.onPromiseAnswer,      // pa:<item id>:<promise n>:<k|p|u>
		"cc":   b.onConfirmContact,     // cc:<item id>:<contact n>:<y|n>
		"pd":   b.onPendingPage,        // pd:<offset>
		"rf":   b.onReplyFile,          // rf:<item id>:<round>
		"tl":   b.onThreadLink,         // tl:<item id>:<earlier item id>
	}
}

// actionCodes are the codes of the handling actions on an item's card
// ("ha:<item id>:<code>"), in the order the card shows them.
var actionCodes = []struct {
	act  deputybot.Action
	code string
}{
	{deputybot.ActAssign, "as"}, {deputybot.ActReturnToDeputy, "rd"},
	{deputybot.ActAccept, "ac"}, {deputybot.ActLogContact, "lc"}, {deputybot.ActReply, "rp"},
	{deputybot.ActOpinion, "op"}, {deputybot.ActProgress, "pg"}, {deputybot.ActCorrect, "co"},
	{deputybot.ActRequestExtend, "ex"}, {deputybot.ActRequestReturn, "rr"},
	{deputybot.ActDecideRequest, "dr"}, {deputybot.ActFlag, "fl"}, {deputybot.ActSetPeriod, "pe"},
	{deputybot.ActTargetProgress, "tp"}, {deputybot.ActSetTargets, "ts"},
	{deputybot.ActWithholdItem, "wi"}, {deputybot.ActWithholdReply, "wr"}, {deputybot.ActRepublish, "pu"},
	{deputybot.ActChangeAssignment, "ca"}, {deputybot.ActRevise, "rv"}, {deputybot.ActReportPromise, "pr"},
	{deputybot.ActUngroup, "ug"}, {deputybot.ActLinkThread, "th"},
}

// actionCode is an action's code.
func actionCode(act deputybot.Action) string {
	for _, c := range actionCodes {
		if c.act == act {
			return c.code
		}
	}
	return ""
}

// actionOf is the action of a code.
func actionOf(code string) (deputybot.Action, bool) {
	for _, c := range actionCodes {
		if c.code == code {
			return c.act, true
		}
	}
	return "", false
}
