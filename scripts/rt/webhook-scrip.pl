# Custom action commit code of the RT scrip that tells dutydesk a ticket changed
# (Condition "On Transaction", Action "User Defined", Template "Blank", Stage
# "TransactionBatch"). It posts {"ticket": <id>, "queue": <name>} to dutydesk's webhook, signed
# with the shared secret as X-Hub-Signature: sha256=<HMAC-SHA256 of the body>.
# Settings in RT_SiteConfig.pm; without them the scrip does nothing:
#   Set($DutydeskWebhookUrl, 'https://dutydesk.example.com/tickets/rt/webhook');
#   Set($DutydeskWebhookSecret, '<the secret in tickets.systems.rt.webhookSecret>');
my $url = RT->Config->Get('DutydeskWebhookUrl');
my $secret = RT->Config->Get('DutydeskWebhookSecret');
return 1 unless $url && $secret;
require LWP::UserAgent;
require Digest::SHA;
require JSON;
my $ticket = $self->TicketObj;
my $body = JSON->new->canonical->encode({ ticket => $ticket->id + 0, queue => $ticket->QueueObj->Name });
my $response = LWP::UserAgent->new(timeout => 5)->post(
    $url,
    'Content-Type' => 'application/json',
    'X-Hub-Signature' => 'sha256=' . Digest::SHA::hmac_sha256_hex($body, $secret),
    Content => $body,
);
# dutydesk's poller still finds the change when a post fails; RT's log says why.
RT->Logger->warning("dutydesk webhook: " . $response->status_line) unless $response->is_success;
return 1;
