// ns2-positions: sample an ns-2 movement file with ns-3's own interpreter of it.
//
// fmc checks its ns-2 interpolation against this program (scripts/check-ns2-interpolation).
// The movement itself is entirely ns-3's: Ns2MobilityHelper turns the file into
// ConstantVelocityMobilityModel events, the simulator runs them, and a sampling event every
// STEP seconds reads each node's position. This file only decides how many nodes to create,
// when to sample and how to print.
//
//   usage: ns2-positions FILE STEP END [NODES]
//
// Prints CSV with a header: time,node,x,y,z at t = 0, STEP, 2*STEP, ... up to and including
// END, time with 9 decimals, positions with 6, node as the ns-2 index. Only nodes that ns-3
// gave a mobility model (those named in a position or movement line) are printed.
//
// Ns2MobilityHelper only moves nodes that already exist, and ns-2 index i is ns-3 node i, so
// the program creates max index + 1 nodes (not the count of distinct indices: a file may
// number its nodes from 1). NODES overrides that. ns-3 files the events per node in file
// order, not time order; a node whose events go back in time is reported on stderr.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "ns3/core-module.h"
#include "ns3/mobility-module.h"
#include "ns3/network-module.h"

namespace {

ns3::NodeContainer g_nodes;

void PrintSample(double t) {
    for (uint32_t i = 0; i < g_nodes.GetN(); i++) {
        ns3::Ptr<ns3::MobilityModel> m = g_nodes.Get(i)->GetObject<ns3::MobilityModel>();
        if (!m) continue;
        ns3::Vector p = m->GetPosition();
        std::printf("%.9f,%u,%.6f,%.6f,%.6f\n", t, i, p.x, p.y, p.z);
    }
}

bool ParseDouble(const char *s, double &out) {
    char *end = nullptr;
    errno = 0;
    out = std::strtod(s, &end);
    return end != s && *end == '\0' && errno == 0 && std::isfinite(out);
}

// Every "$node_(N)" in a line, N a plain non-negative integer. Returns the first one (-1 if
// none) and raises maxIndex.
long NodeIndexIn(const std::string &line, long &maxIndex) {
    long first = -1;
    static const std::string tag = "$node_(";
    for (size_t at = line.find(tag); at != std::string::npos; at = line.find(tag, at + 1)) {
        size_t i = at + tag.size(), digits = 0;
        long n = 0;
        while (i < line.size() && line[i] >= '0' && line[i] <= '9' && n < 100000000) {
            n = n * 10 + (line[i] - '0');
            i++, digits++;
        }
        if (digits == 0 || i >= line.size() || line[i] != ')') continue;
        if (first < 0) first = n;
        if (n > maxIndex) maxIndex = n;
    }
    return first;
}

// Scans the file for the node indices and for scheduled node events that go back in time.
bool ScanFile(const char *path, long &maxIndex, long &backwards) {
    std::ifstream in(path);
    if (!in) return false;
    std::map<long, double> lastTime;
    std::string line;
    long lineNo = 0;
    while (std::getline(in, line)) {
        lineNo++;
        size_t hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        long node = NodeIndexIn(line, maxIndex);
        if (node < 0) continue;
        // $ns_ at TIME "$node_(N) ..."
        size_t p = line.find_first_not_of(" \t");
        if (p == std::string::npos || line.compare(p, 4, "$ns_") != 0) continue;
        char buf[64];
        double t;
        if (std::sscanf(line.c_str() + p, "$ns_ at %63s", buf) != 1 || !ParseDouble(buf, t)) continue;
        auto it = lastTime.find(node);
        if (it != lastTime.end() && t < it->second) {
            if (backwards < 5)
                std::fprintf(stderr,
                             "ns2-positions: note: line %ld: node %ld event at %g after one at %g "
                             "(ns-3 chains a node's movements in file order)\n",
                             lineNo, node, t, it->second);
            backwards++;
        }
        lastTime[node] = t;
    }
    return true;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        std::fprintf(stderr, "usage: %s FILE STEP END [NODES]\n", argv[0]);
        return 2;
    }
    const char *file = argv[1];
    double step, end, nodesArg = -1;
    if (!ParseDouble(argv[2], step) || step <= 0) {
        std::fprintf(stderr, "ns2-positions: STEP must be a positive number: %s\n", argv[2]);
        return 2;
    }
    if (!ParseDouble(argv[3], end) || end < 0) {
        std::fprintf(stderr, "ns2-positions: END must be a number >= 0: %s\n", argv[3]);
        return 2;
    }
    if (argc == 5 && (!ParseDouble(argv[4], nodesArg) || nodesArg < 1 || nodesArg != std::floor(nodesArg))) {
        std::fprintf(stderr, "ns2-positions: NODES must be a positive integer: %s\n", argv[4]);
        return 2;
    }

    long maxIndex = -1, backwards = 0;
    if (!ScanFile(file, maxIndex, backwards)) {
        std::fprintf(stderr, "ns2-positions: cannot read %s\n", file);
        return 1;
    }
    if (backwards > 0)
        std::fprintf(stderr, "ns2-positions: note: %ld node event(s) earlier than the node's previous one\n",
                     backwards);
    long count = nodesArg > 0 ? (long)nodesArg : maxIndex + 1;
    if (count <= 0) {
        std::fprintf(stderr, "ns2-positions: no $node_(i) in %s\n", file);
        return 1;
    }

    g_nodes.Create((uint32_t)count);
    ns3::Ns2MobilityHelper helper(file);
    helper.Install(g_nodes.Begin(), g_nodes.End());

    static char outbuf[1 << 16];
    std::setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    std::printf("time,node,x,y,z\n");
    // Sample k*STEP (not a running sum, which would drift); the tolerance keeps END itself
    // when END is a multiple of STEP up to rounding.
    long samples = (long)std::floor(end / step + 1e-9);
    for (long k = 0; k <= samples; k++) {
        double t = k * step;
        ns3::Simulator::Schedule(ns3::Seconds(t), &PrintSample, t);
    }
    ns3::Simulator::Stop(ns3::Seconds(samples * step) + ns3::NanoSeconds(1));
    ns3::Simulator::Run();
    ns3::Simulator::Destroy();
    std::fflush(stdout);
    return std::ferror(stdout) ? 1 : 0;
}
