# Custom action commit code of the RT scrip that tells dutydesk a ticket changed
# (Condition "On Transaction", Action "User Defined", Template "Blank", Stage
# "TransactionBatch"). It posts
#   {"queue": <name>, "ticket": <id>, "timestamp": <ms since the epoch>, "transaction": <id>}
# (canonical JSON: sorted keys) to dutydesk's webhook, signed with the shared
# secret as X-Hub-Signature: sha256=<HMAC-SHA256 of the body>. The time and the
# transaction are inside the signed body, so dutydesk refuses a captured post
# sent again, and two changes of one ticket in one millisecond still differ.
# A scrip installed from an older copy of this file (without "timestamp") is
# refused by the gateway with 401: paste this code into the scrip again.
# Settings in RT_SiteConfig.pm; without them the scrip does nothing:
#   Set($DutydeskWebhookUrl, 'https://dutydesk.example.com/tickets/rt/webhook');
#   Set($DutydeskWebhookSecret, '<the secret in tickets.systems.rt.webhookSecret>');
my $url = RT->Config->Get('DutydeskWebhookUrl');
my $secret = RT->Config->Get('DutydeskWebhookSecret');
return 1 unless $url && $secret;
require LWP::UserAgent;
require Digest::SHA;
require JSON;
require Time::HiRes;
my $ticket = $self->TicketObj;
my $body = JSON->new->canonical->encode({
    ticket      => $ticket->id + 0,
    queue       => $ticket->QueueObj->Name,
    timestamp   => int(Time::HiRes::time() * 1000),
    transaction => $self->TransactionObj->id + 0,
});
my $response = LWP::UserAgent->new(timeout => 5)->post(
    $url,
    'Content-Type' => 'application/json',
    'X-Hub-Signature' => 'sha256=' . Digest::SHA::hmac_sha256_hex($body, $secret),
    Content => $body,
);
# dutydesk's poller still finds the change when a post fails; RT's log says why.
RT->Logger->warning("dutydesk webhook: " . $response->status_line) unless $response->is_success;
return 1;
