#!/usr/bin/perl
# maildmarc_tool.pl - evaluate dmarc_gen.py cases with Mail::DMARC::PurePerl
# (Debian libmail-dmarc-perl), the RFC 7489 peer of dmarc_interop.py.
#
# Usage: maildmarc_tool.pl --server 127.0.0.1 --port PORT --psl FILE CASES.tsv
#
# DNS: every query goes to the authoritative server given (the knotd that
# dmarc_interop.py starts with scripts/knot-ctl on the generated zone), so
# Mail::DMARC reads the same records, from the same zone file, as vouch.
# Nothing else is queried: the resolver is built here with that one
# nameserver, no search list, and handed to Mail::DMARC (set_resolver).
#
# Public Suffix List: a private mail-dmarc.ini (in a temporary folder)
# names FILE as [dns] public_suffix_list, the list vouch is given too.
# Reports are never stored (report_store auto_save = 0).
#
# pct sampling: Mail::DMARC draws int(rand(100)); its rand is replaced
# before the module is compiled so that the draw is the case's "draw"
# column, the same number vouch's random source returns.
#
# Prints one line per case, tab separated:
#   id result requested disposition policy_domain org_domain spf_aligned
#   dkim_aligned reason
# "-" for an empty field; policies in lower case (Mail::DMARC keeps the
# record's spelling); result "exception" when Mail::DMARC died.
use strict;
use warnings;

our $DRAW;

BEGIN {
	# Imported into Mail::DMARC::PurePerl alone (Net::DNS needs real
	# random query ids).
	no strict 'refs';
	*{'Mail::DMARC::PurePerl::rand'} = sub (;$) { return $DRAW };
}

use File::Temp qw(tempdir);
use Getopt::Long;
use Net::DNS::Resolver;
use Mail::DMARC::PurePerl;

my ( $server, $port, $psl ) = ( '127.0.0.1', 53, '' );
GetOptions( 'server=s' => \$server, 'port=i' => \$port, 'psl=s' => \$psl )
    && @ARGV == 1
    or die "usage: $0 --server ADDR --port PORT --psl FILE CASES.tsv\n";
-r $psl or die "$0: cannot read the Public Suffix List $psl\n";

my $dir = tempdir( 'maildmarc-XXXXXX', TMPDIR => 1, CLEANUP => 1 );
my $ini = "$dir/mail-dmarc.ini";
open my $fh, '>', $ini or die "$0: $ini: $!\n";
print {$fh} "[dns]\ntimeout = 5\npublic_suffix_list = $psl\n\n",
    "[report_store]\nauto_save = 0\n";
close $fh or die "$0: $ini: $!\n";

my $res = Net::DNS::Resolver->new(
	nameservers => [$server],
	port        => $port,
	recurse     => 0,
	dnsrch      => 0,
	defnames    => 0,
	retry       => 2,
	udp_timeout => 3,
	tcp_timeout => 3,
);

sub clean {
	my $s = join ' ', grep { defined && length } @_;
	$s =~ s/[\t\r\n]+/ /g;
	$s =~ s/\s+$//;
	return length $s ? $s : '-';
}

sub evaluate {
	my ($c) = @_;
	my @warn;
	local $SIG{__WARN__} = sub { push @warn, $_[0] };
	local $DRAW = $c->{draw};
	my $d = Mail::DMARC::PurePerl->new( config_file => $ini );
	$d->set_resolver($res);
	$d->header_from( $c->{from} );
	$d->spf( [ { domain => $c->{spf_domain}, scope => 'mfrom',
		    result => $c->{spf} } ] ) if $c->{spf_domain} ne '-';
	my @sigs;
	for my $s ( split /,/, $c->{dkim} eq '-' ? '' : $c->{dkim} ) {
		my ( $dom, $r ) = split /:/, $s;
		push @sigs, { domain => $dom, selector => 's', result => $r };
	}
	$d->dkim( \@sigs );
	my $r = $d->validate;
	my ( $pol, $req, $pdom ) = ( eval { $r->published } );
	if ($pol) {
		$pdom = $pol->domain;
		$req = $d->is_subdomain && defined $pol->sp ? $pol->sp : $pol->p;
	}
	my $why = join '; ', map { $_->comment // $_->type } @{ $r->reason };
	return [ $r->result, lc( $req // '' ), lc $r->disposition, $pdom,
	    $d->get_organizational_domain( $c->{from} ),
	    $r->spf eq 'pass' ? 1 : 0, $r->dkim eq 'pass' ? 1 : 0,
	    clean( $why, map { "warning: $_" } @warn ) ];
}

my @cols = qw(id from spf spf_domain dkim draw);
open my $in, '<', $ARGV[0] or die "$0: $ARGV[0]: $!\n";
while ( my $line = <$in> ) {
	next if $line =~ /^#/ || $line !~ /\S/;
	chomp $line;
	my %c;
	@c{@cols} = split /\t/, $line;
	my $out = eval { evaluate( \%c ) };
	$out = [ 'exception', '', '', '', '', 0, 0, clean($@) ] if !$out;
	print join( "\t", $c{id}, map { clean($_) } @$out ), "\n";
}
close $in;
