"""Build a small private-cluster estate in moto and serve it until stdin closes.

argv[1]: directory of kops specs (cluster-completed.spec files) written to the moto S3 state store.
Prints one JSON line: {"port": ..., "ids": {...}} once the estate exists.

`--estate FILE` instead builds what FILE declares: a JSON object {"region": ..., "s3Buckets": [...]}
whose region has the simulator scenario's shape (sim/aws/scenario.ts: vpcs with subnets, route
tables and an internet gateway; instances; load balancers; EKS clusters) and whose buckets map keys
to text. Prints {"port": ..., "ids": {name: id}, "publicIps": {instance: ip}, "lbArns": {name: arn}}.
"""
import json
import os
import sys

import boto3
from moto.server import ThreadedMotoServer



def build_declared(url, estate):
    """Builds a simulator-shaped region (and S3 buckets) in moto; returns the ids moto chose."""
    region = estate["region"]
    name = region["name"]
    kw = dict(endpoint_url=url, region_name=name, aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="moto")
    ec2 = boto3.client("ec2", **kw)
    ids, public_ips, lb_arns = {}, {}, {}
    zone = lambda az: az if len(az) > 1 else f"{name}{az}"
    for v in region.get("vpcs", []):
        vpc = ec2.create_vpc(CidrBlock=v["cidr"])["Vpc"]["VpcId"]
        ids[v["name"]] = vpc
        for s in v.get("subnets", []):
            sid = ec2.create_subnet(VpcId=vpc, CidrBlock=s["cidr"], AvailabilityZone=zone(s.get("az", "a")))["Subnet"]["SubnetId"]
            ids[s["name"]] = sid
            if s.get("mapPublicIpOnLaunch"):
                ec2.modify_subnet_attribute(SubnetId=sid, MapPublicIpOnLaunch={"Value": True})
        igw = None
        if v.get("internetGateway"):
            igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
            ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
            ids[f"{v['name']}/igw"] = igw
        for t in v.get("routeTables", []):
            rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
            ids[t["name"]] = rtb
            for r in t.get("routes", []):
                target = igw if r["target"] == "igw" else r["target"]
                ec2.create_route(RouteTableId=rtb, DestinationCidrBlock=r["destination"], GatewayId=target)
            for sn in t.get("subnets", []):
                ec2.associate_route_table(RouteTableId=rtb, SubnetId=ids.get(sn, sn))
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    for i in region.get("instances", []):
        inst = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType=i.get("instanceType", "m6i.large"), SubnetId=ids.get(i["subnet"], i["subnet"]))["Instances"][0]
        ids[i["name"]] = inst["InstanceId"]
        described = ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0]["Instances"][0]
        if described.get("PublicIpAddress"):
            public_ips[i["name"]] = described["PublicIpAddress"]
    elbv2 = boto3.client("elbv2", **kw)
    for lb in region.get("loadBalancers", []):
        created = elbv2.create_load_balancer(Name=lb["name"], Subnets=[ids.get(x, x) for x in lb["subnets"]], Scheme=lb.get("scheme", "internal"), Type=lb.get("type", "application"))
        lb_arns[lb["name"]] = created["LoadBalancers"][0]["LoadBalancerArn"]
    iam = boto3.client("iam", **kw)
    iam.create_role(RoleName="AirlockReadOnly", AssumeRolePolicyDocument="{}")
    eks = boto3.client("eks", **kw)
    for c in region.get("clusters", []):
        cfg = {"subnetIds": [ids.get(x, x) for x in c["subnets"]], "endpointPublicAccess": c.get("endpointPublicAccess", False), "endpointPrivateAccess": c.get("endpointPrivateAccess", True)}
        if "publicAccessCidrs" in c:
            cfg["publicAccessCidrs"] = c["publicAccessCidrs"]
        eks.create_cluster(name=c["name"], roleArn="arn:aws:iam::123456789012:role/eks-cluster", resourcesVpcConfig=cfg)
    s3 = boto3.client("s3", **kw)
    for b in estate.get("s3Buckets", []):
        s3.create_bucket(Bucket=b["name"])
        for key, body in b.get("objects", {}).items():
            s3.put_object(Bucket=b["name"], Key=key, Body=body.encode())
    return {"ids": ids, "publicIps": public_ips, "lbArns": lb_arns}


server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
port = server.get_host_and_port()[1]
try:
    if len(sys.argv) > 2 and sys.argv[1] == "--estate":
        with open(sys.argv[2], encoding="utf-8") as f:
            built = build_declared(f"http://127.0.0.1:{port}", json.load(f))
        print(json.dumps({"port": port, **built}), flush=True)
        sys.stdin.read()
        sys.exit(0)
    url = f"http://127.0.0.1:{port}"
    kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="moto")
    ec2 = boto3.client("ec2", **kw)
    vpc = ec2.create_vpc(CidrBlock="10.10.128.0/20")["Vpc"]["VpcId"]  # overlaps on-prem 10.10.0.0/16
    private_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.10.128.0/22", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    private_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.10.132.0/22", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    public_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.10.136.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public_a, MapPublicIpOnLaunch={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=public_a)
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    bastion = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=public_a)["Instances"][0]["InstanceId"]
    ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=private_a)

    iam = boto3.client("iam", **kw)
    role = iam.create_role(RoleName="eks-cluster", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.create_role(RoleName="AirlockReadOnly", AssumeRolePolicyDocument="{}")
    eks = boto3.client("eks", **kw)
    eks.create_cluster(name="orders", roleArn=role, resourcesVpcConfig={"subnetIds": [private_a, private_b], "endpointPublicAccess": True, "endpointPrivateAccess": False, "publicAccessCidrs": ["0.0.0.0/0"]})

    elbv2 = boto3.client("elbv2", **kw)
    alb = elbv2.create_load_balancer(Name="orders-public", Subnets=[public_a, private_b], Scheme="internet-facing", Type="application")["LoadBalancers"][0]["LoadBalancerArn"]

    s3 = boto3.client("s3", **kw)
    s3.create_bucket(Bucket="moto-kops-state")
    spec_dir = sys.argv[1]
    for name in sorted(os.listdir(spec_dir)):
        if not name.endswith(".cluster-completed.spec.yaml"):
            continue
        with open(os.path.join(spec_dir, name), encoding="utf-8") as f:
            text = f.read()
        cluster = [l.split(":", 1)[1].strip() for l in text.splitlines() if l.startswith("  name:")][0]
        s3.put_object(Bucket="moto-kops-state", Key=f"{cluster}/cluster-completed.spec", Body=text.encode())
        s3.put_object(Bucket="moto-kops-state", Key=f"{cluster}/instancegroup/nodes", Body=b"apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: nodes\nspec:\n  role: Node\n  subnets:\n  - utility-us-test-1a\n")

    ids = {"vpc": vpc, "privateA": private_a, "privateB": private_b, "publicA": public_a, "bastion": bastion, "alb": alb}
    print(json.dumps({"port": port, "ids": ids}), flush=True)
    sys.stdin.read()
finally:
    server.stop()
