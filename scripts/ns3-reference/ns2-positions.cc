// An independent interpreter of ns-2 movement files, for checking fmc's: ns-3's
// Ns2MobilityHelper moves the nodes, and this program prints every node's position at
// t = 0, STEP, 2*STEP, ... END as CSV (time,node,x,y,z).
// usage: ns2-positions FILE STEP END NODES
#include <cstdio>
#include <cstdlib>
#include "ns3/core-module.h"
#include "ns3/mobility-module.h"
#include "ns3/network-module.h"

using namespace ns3;

static NodeContainer nodes;

static void Sample(double t) {
    for (uint32_t i = 0; i < nodes.GetN(); i++) {
        Ptr<MobilityModel> m = nodes.Get(i)->GetObject<MobilityModel>();
        if (!m) continue;
        Vector p = m->GetPosition();
        std::printf("%.9f,%u,%.6f,%.6f,%.6f\n", t, i, p.x, p.y, p.z);
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s FILE STEP END NODES\n", argv[0]);
        return 2;
    }
    double step = std::atof(argv[2]), end = std::atof(argv[3]);
    nodes.Create(std::atoi(argv[4]));
    Ns2MobilityHelper helper(argv[1]);
    helper.Install();
    std::printf("time,node,x,y,z\n");
    long k = 0;
    for (double t = 0; t <= end + 1e-9; t = ++k * step) Simulator::Schedule(Seconds(t), &Sample, t);
    Simulator::Stop(Seconds(end + step));
    Simulator::Run();
    Simulator::Destroy();
    return 0;
}
