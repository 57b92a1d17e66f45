# Request Tracker data for dutydesk's local RT (tests and the `npm start` demo):
# two queues (groups), one for incidents from monitoring and one for
# dutydesk's own failures, the bot's own user,
# and engineers who may own tickets.
# Loaded once with `rt-setup-database --action insert` into a template database.

@Queues = (
    { Name => 'Service Desk', Description => 'First line: requests and incidents', CorrespondAddress => '', CommentAddress => '' },
    { Name => 'Network', Description => 'Network engineering', CorrespondAddress => '', CommentAddress => '' },
    { Name => 'Incidents', Description => 'Opened and closed by dutydesk from monitoring alerts', CorrespondAddress => '', CommentAddress => '' },
    { Name => 'Failures', Description => "dutydesk's own failed runs, one ticket per kind of failure", CorrespondAddress => '', CommentAddress => '' },
);

@Users = (
    # The account dutydesk works as. Its password is set by the script that starts RT.
    { Name => 'dutydesk', RealName => 'dutydesk bot', EmailAddress => 'dutydesk@localhost', Privileged => 1 },
    { Name => 'alice', RealName => 'Alice Engineer', EmailAddress => 'alice@localhost', Privileged => 1 },
    { Name => 'bob', RealName => 'Bob Lead', EmailAddress => 'bob@localhost', Privileged => 1 },
    { Name => 'dan', RealName => 'Dan Engineer', EmailAddress => 'dan@localhost', Privileged => 1 },
);

# Privileged users work tickets in every queue; the bot is a superuser.
@ACL = (
    map({ { GroupDomain => 'SystemInternal', GroupType => 'Privileged', Right => $_ } }
        qw(SeeQueue ShowTicket CreateTicket ReplyToTicket CommentOnTicket OwnTicket ModifyTicket TakeTicket StealTicket ShowTicketComments Watch)),
    { UserId => 'dutydesk', Right => 'SuperUser' },
);

# Tells dutydesk's webhook of every change, when RT_SiteConfig.pm names its URL and secret.
my $scrip_code = do {
    (my $file = __FILE__) =~ s{[^/]+$}{webhook-scrip.pl};
    open(my $fh, '<', $file) or die "cannot read $file: $!";
    local $/;
    <$fh>;
};
@Scrips = (
    {
        Description       => 'Tell dutydesk of ticket changes',
        ScripCondition    => 'On Transaction',
        ScripAction       => 'User Defined',
        Template          => 'Blank',
        Stage             => 'TransactionBatch',
        CustomIsApplicableCode => '',
        CustomPrepareCode => 'return 1;',
        CustomCommitCode  => $scrip_code,
    },
);

1;
